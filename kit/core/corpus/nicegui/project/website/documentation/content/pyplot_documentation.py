    from matplotlib import pyplot as plt
