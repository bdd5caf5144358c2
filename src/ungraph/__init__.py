"""ungraph: a linked-data knowledge graph of the United Nations' commitments on ICT."""

__version__ = "0.1.0"
