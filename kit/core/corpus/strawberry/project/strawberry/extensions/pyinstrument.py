from pyinstrument import Profiler
