"""The monitor: budgets, month to date, forecast, alerts and the "what changed" split (ECONOMICS.md,
"Watching the cost"), over a DuckDB state that a monitor appends to cycle after cycle."""
