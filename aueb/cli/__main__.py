from aueb.cli import app

app()
