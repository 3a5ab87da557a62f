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
            margin: 0;
            padding: 0;
        }
        input[type="text"] {
            width: 100%;
            padding: 10px;
            margin-bottom: 10px;
        }
        button {
            padding: 10px 20px;
            margin-bottom: 10px;
        }
        output {
            margin-top: 20px;
        }
    </style>
</head>
<body>
    <h1>Area Circle</h1>
    <div id="calculate"></div>
    <button type="button" id="calculateButton">Calculate Area</button>

    <script>
        document.getElementById("calculateButton").addEventListener("click", () => {
            const input = document.getElementById("calculate");
            const value = parseFloat(input.value);

            if (isNaN(value) || !isFinite(value) || value < 0) {
                document.getElementById("calculate").textContent = "Invalid input";
                return;
            }

            const area = Math.PI * Math.pow(value, 2);
            document.getElementById("calculate").textContent = `The area of the circle is: ${area.toFixed(2)}`;
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
