from mypy.types import Type as MypyType
