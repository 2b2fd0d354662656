"""Building blocks shared by the methods' networks: layers, blocks, losses, optimisers, precision, pretrained networks."""
