"""Machine-learning layer: the only place torch is imported (lazily).

Import the submodules only when a model is needed; ``photosort.ml.types`` is
torch-free and holds the protocols the services program against.
"""
