package dev.orderlock.bench;

/**
 * Where the benchmark forks find the Redis that {@link BenchmarkSuite} started or was given.
 */
final class BenchRedis {

	static final String ADDRESS_PROPERTY = "orderlock.bench.redis";

	static final String OUT_PROPERTY = "orderlock.bench.out";

	private BenchRedis() {
	}

	static String address() {
		String address = System.getProperty(ADDRESS_PROPERTY);
		if (address == null) {
			throw new IllegalStateException("-D" + ADDRESS_PROPERTY + "=redis://host:port is not set: run the "
					+ "benchmarks through BenchmarkSuite (see docs/performance.md)");
		}
		return address;
	}

}
