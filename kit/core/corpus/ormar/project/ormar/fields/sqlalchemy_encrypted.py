    from cryptography.hazmat.primitives import hashes
