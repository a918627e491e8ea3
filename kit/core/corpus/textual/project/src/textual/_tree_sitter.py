    from tree_sitter import Language
