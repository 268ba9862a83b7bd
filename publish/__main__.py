from publish.cli import app

app(prog_name="publish")
