from mapdir import create_app

app = create_app()
