package dev.orderlock.testredis;

/**
 * Guards every Testcontainers call: Testcontainers is optional, so nothing here may load its classes unless present.
 */
final class DockerProbe {

	private static final boolean TESTCONTAINERS_PRESENT = isPresent("org.testcontainers.DockerClientFactory");

	private DockerProbe() {
	}

	static boolean testcontainersPresent() {
		return TESTCONTAINERS_PRESENT;
	}

	static boolean dockerAnswers() {
		return TESTCONTAINERS_PRESENT && RedisContainer.dockerAnswers();
	}

	static TestRedis startContainer(String image) {
		return RedisContainer.launch(image);
	}

	private static boolean isPresent(String className) {
		try {
			Class.forName(className, false, DockerProbe.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

}
