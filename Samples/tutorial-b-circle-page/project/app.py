"""Area Circle: the HTML page and its JavaScript live in this file as a string; Flask serves it at /."""
from flask import Flask

app = Flask(__name__)

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>Area Circle</title>
    <style>
        body {
            font-family: Arial, sans-serif;
            margin: 20px;
        }
        input[type="number"] {
            width: 100%;
            padding: 10px;
            margin-bottom: 10px;
        }
        button {
            padding: 10px;
            margin-bottom: 10px;
        }
        #output {
            font-size: 24px;
            margin-top: 20px;
        }
    </style>
</head>
<body>
    <h1>Area Circle</h1>
    <form action="/calculate" method="post">
        <input type="number" id="radius" name="radius" placeholder="Enter the radius">
        <button type="submit">Calculate Area</button>
    </form>
    <div id="output"></div>
</body>
</html>
"""


@app.route("/")
def index():
    return PAGE


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5001)
