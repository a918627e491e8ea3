from .search import build_search_index
