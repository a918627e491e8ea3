    from litestar.types import AnyCallable, Dependencies
