"""Training: what a method declares, the driver that trains it and the run folder it writes."""
