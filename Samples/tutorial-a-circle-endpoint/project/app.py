from flask import Flask, jsonify, request
import math

app = Flask(__name__)

@app.route('/area', methods=['GET'])
def area():
    raw = request.args.get("name")
    if not raw:
        return jsonify({"error": "name is required"}), 400
    try:
        value = float(raw)
        if not math.isfinite(value):
            return jsonify({"error": "value must be a number"}), 400
    except TypeError:
        return jsonify({"error": "value must be a number"}), 400
    except ValueError:
        return jsonify({"error": "value must be a number"}), 400
    if not isinstance(value, int):
        return jsonify({"error": "value must be an integer"}), 400
    if value < 0:
        return jsonify({"error": "value must be a non-negative number"}), 400
    area = math.pi * value ** 2
    return jsonify({"area": area}), 200

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
