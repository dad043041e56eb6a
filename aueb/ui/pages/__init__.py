"""One module per dashboard page; each exposes the function that its route file in aueb/ui/routes calls."""
