"""The cold-start baseline: a bare Flask app with one page, served by the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/signin")
def sign_in():
    return "<!doctype html><title>Sign in</title><p>Sign in</p>"
