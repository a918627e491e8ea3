app = Quart(__name__)
def run():
    app.run(debug=True)
