# Sourced by run_tests.sh and run_soak.sh: the test Neo4j's address and password, a required
# Neo4j, and no model downloads.
export NEO4J_PASSWORD=${NEO4J_PASSWORD:-policykg-test}
export NEO4J_BOLT_PORT=${NEO4J_BOLT_PORT:-7687}
export NEO4J_URI=${NEO4J_URI:-bolt://127.0.0.1:${NEO4J_BOLT_PORT}}
export NEO4J_USER=${NEO4J_USER:-neo4j}
export POLICYKG_REQUIRE_NEO4J=1
# One OpenMP runtime per process and a fixed thread count: torch and the e5 engine fight.
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
