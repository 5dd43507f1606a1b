"""One module per notebook, each with ``FUNCTIONS``: the FunctionSpecs of its graded functions."""
