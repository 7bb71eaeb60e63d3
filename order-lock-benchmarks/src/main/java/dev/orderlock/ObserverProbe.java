package dev.orderlock;

/**
 * Whether a template reports its locks to an observer (meters, observations) or to none: the benchmarks check it so
 * that the variants meant to record do, and the others do not. In package {@code dev.orderlock} to reach the
 * package-private observer.
 */
public final class ObserverProbe {

	private ObserverProbe() {
	}

	/** {@code true} unless the template's observer is the no-op one. */
	public static boolean records(OrderLockTemplate template) {
		return template.observer() != LockObserver.NONE;
	}

}
