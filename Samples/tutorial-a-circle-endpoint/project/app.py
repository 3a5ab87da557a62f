import math

from flask import Flask, jsonify, request

app = Flask(__name__)

# Keep in-memory data in module-level variables
circles = []
next_id = 0

@app.route('/', methods=['GET'])
def get_circle_area():
    global next_id
    raw = request.args.get("name")
    try:
        value = float(raw)
        if not math.isfinite(value):
            return jsonify({"error": "Invalid input. Please provide a valid number."}), 400
        circle = next_id
        circles.append({"id": circle, "name": raw, "area": math.pi * value ** 2})
        next_id += 1
        return jsonify({"id": circle, "name": raw, "area": math.pi * value ** 2}), 200
    except (TypeError, ValueError):
        return jsonify({"error": "Invalid input. Please provide a valid number."}), 400

@app.errorhandler(404)
def not_found_error():
    return jsonify({"error": "Resource not found."}), 404

@app.errorhandler(405)
def method_not_allowed_error():
    return jsonify({"error": "Method not allowed."}), 405

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
