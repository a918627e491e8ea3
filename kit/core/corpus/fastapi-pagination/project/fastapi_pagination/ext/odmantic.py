from odmantic.query import QueryExpression
