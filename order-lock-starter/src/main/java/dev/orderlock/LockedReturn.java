package dev.orderlock;

import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.springframework.util.ClassUtils;

/**
 * How a locked method returns its work, decided once per method at start-up: synchronously (the lock is held until
 * the method returns), as a {@link CompletionStage} or a Reactor {@code Mono} (held until that work completes, owned
 * by the call rather than by a thread). A return type whose completion order-lock cannot observe fails the start:
 * releasing when the method returns would let the real work run unlocked.
 */
enum LockedReturn {

	SYNCHRONOUS, COMPLETION_STAGE, MONO;

	private static final ClassLoader LOADER = LockedReturn.class.getClassLoader();

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono", LOADER);

	private static final boolean REACTIVE_STREAMS_PRESENT = ClassUtils.isPresent("org.reactivestreams.Publisher",
			LOADER);

	static LockedReturn of(Method method) {
		Class<?> type = method.getReturnType();
		if (type == CompletionStage.class || type == CompletableFuture.class) {
			return COMPLETION_STAGE;
		}
		if (CompletionStage.class.isAssignableFrom(type)) {
			throw unsupported(method, "returns " + type.getName() + ", a CompletionStage order-lock cannot hand back "
					+ "(it returns a CompletableFuture that completes once the lock is released)",
					"Declare the return type as CompletionStage or CompletableFuture.");
		}
		if (REACTOR_PRESENT && Reactor.isMono(type)) {
			if (!Reactor.isExactlyMono(type)) {
				throw unsupported(method, "returns " + type.getName() + ", a Mono subtype order-lock cannot hand back",
						"Declare the return type as Mono.");
			}
			return MONO;
		}
		if ((REACTIVE_STREAMS_PRESENT && ReactiveStreams.isPublisher(type))
				|| java.util.concurrent.Flow.Publisher.class.isAssignableFrom(type)) {
			throw unsupported(method, "returns " + type.getName() + ", a stream that may emit for as long as it "
					+ "likes, so the lock would be held for an unbounded time or released before the work ends",
					"Lock around a Mono (e.g. collect the items first, or lock each item's update in its own Mono), "
							+ "or call the template from inside the stream per order.");
		}
		if (Future.class.isAssignableFrom(type)) {
			throw unsupported(method, "returns " + type.getName() + ", whose completion cannot be observed without "
					+ "blocking a thread, so the lock would be released before the work ends",
					"Return a CompletableFuture or CompletionStage instead.");
		}
		return SYNCHRONOUS;
	}

	private static OrderLockDefinitionException unsupported(Method method, String problem, String action) {
		return new OrderLockDefinitionException(method, problem + "; the method would run unlocked.", action, null);
	}

	/** Kept apart so that Reactor's classes are only loaded when Reactor is present. */
	private static final class Reactor {

		static boolean isMono(Class<?> type) {
			return reactor.core.publisher.Mono.class.isAssignableFrom(type);
		}

		static boolean isExactlyMono(Class<?> type) {
			return type == reactor.core.publisher.Mono.class;
		}

	}

	private static final class ReactiveStreams {

		static boolean isPublisher(Class<?> type) {
			return org.reactivestreams.Publisher.class.isAssignableFrom(type);
		}

	}

}
