"""Circle Area Calculator: the HTML page and its JavaScript live in this file as a string; Flask serves it at /."""
from flask import Flask

app = Flask(__name__)

PAGE = r"""<!DOCTYPE html>
<html lang="en">
<head>
    <meta charset="UTF-8">
    <title>Circle Area Calculator</title>
    <style>
        body { font-family: sans-serif; max-width: 32em; margin: 2em auto; }
        label { display: block; margin-top: 0.6em; }
        .output { margin-top: 0.6em; font-weight: bold; }
    </style>
</head>
<body>
    <h1>Calculate Circle Area</h1>
    <label for="radius">Radius</label>
    <input id="radius" name="radius">
    <button id="calculate" type="button">Calculate</button>
    <div id="area" class="output"></div>
    <script>
        document.getElementById("calculate").addEventListener("click", function () {
            const radius = parseFloat(document.getElementById("radius").value);
            if (isNaN(radius) || !isFinite(radius) || radius <= 0) {
                document.getElementById("area").textContent = "Invalid radius. Please enter a positive number.";
            } else {
                const area = Math.PI * radius * radius;
                document.getElementById("area").textContent = `Area: ${area.toFixed(2)}`;
            }
        });
    </script>
</body>
</html>
"""


@app.route("/")
def index():
    return PAGE



if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5001)
