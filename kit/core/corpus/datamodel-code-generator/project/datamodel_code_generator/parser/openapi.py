                    from prance import BaseParser
