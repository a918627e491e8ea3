from flask.views import MethodView
