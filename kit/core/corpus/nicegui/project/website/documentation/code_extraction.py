import isort
