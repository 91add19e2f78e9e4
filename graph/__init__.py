"""Graph model, the GraphStore protocol and its backends (LadybugDB embedded, Neo4j)."""
