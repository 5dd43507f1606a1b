"""Developer tools of the course (not shipped to students): the benchmark and the JupyterLab driver."""
