package dev.orderlock.interceptor;

import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import dev.orderlock.OrderLockDefinitionException;

import org.springframework.core.KotlinDetector;
import org.springframework.core.MethodParameter;
import org.springframework.util.ClassUtils;

/**
 * How a locked method returns its work, decided once per method at start-up: synchronously (the lock is held until
 * the method returns), as a {@link CompletionStage} or a Reactor {@code Mono} (held until that work completes, owned
 * by the call rather than by a thread), or as a Kotlin suspend function, whose work Spring AOP hands to the advice as
 * a {@code Mono} and locks exactly like one. A return type whose completion order-lock cannot observe fails the start:
 * releasing when the method returns would let the real work run unlocked.
 */
enum LockedReturn {

	SYNCHRONOUS, COMPLETION_STAGE, MONO,

	/**
	 * A Kotlin {@code suspend fun}: its JVM signature returns {@code Object}, but {@code proceed()} returns the cold
	 * {@code Mono} Spring built with {@code CoroutinesUtils} (the body runs once the proxy awaits it), so the lock
	 * must be held per subscription of that Mono, as for {@link #MONO}.
	 */
	SUSPEND;

	private static final ClassLoader LOADER = LockedReturn.class.getClassLoader();

	private static final boolean REACTOR_PRESENT = ClassUtils.isPresent("reactor.core.publisher.Mono", LOADER);

	private static final boolean REACTIVE_STREAMS_PRESENT = ClassUtils.isPresent("org.reactivestreams.Publisher",
			LOADER);

	private static final boolean KOTLIN_PRESENT = KotlinDetector.isKotlinPresent();

	/** What Spring AOP checks before turning a suspend function into a Mono (AopUtils, CglibAopProxy). */
	private static final boolean COROUTINES_REACTOR_PRESENT = ClassUtils.isPresent("kotlinx.coroutines.reactor.MonoKt",
			LOADER);

	private static final String FLOW = "kotlinx.coroutines.flow.Flow";

	static LockedReturn of(Method method) {
		if (KOTLIN_PRESENT && KotlinDetector.isSuspendingFunction(method)) {
			return suspending(method);
		}
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

	private static LockedReturn suspending(Method method) {
		if (!COROUTINES_REACTOR_PRESENT || !KotlinDetector.isKotlinReflectPresent()) {
			throw unsupported(method, "is a Kotlin suspend function, but kotlinx-coroutines-reactor or kotlin-reflect "
					+ "is missing, so Spring calls it directly instead of handing its work over as a Mono, and the "
					+ "lock would be released at the function's first suspension",
					"Add org.jetbrains.kotlinx:kotlinx-coroutines-reactor and org.jetbrains.kotlin:kotlin-reflect "
							+ "to the application.");
		}
		// The Kotlin return type, as Spring's proxy and TransactionAspectSupport read it to choose Mono or Flux.
		Class<?> type = new MethodParameter(method, -1).getParameterType();
		boolean flow = ClassUtils.isPresent(FLOW, LOADER)
				&& ClassUtils.resolveClassName(FLOW, LOADER).isAssignableFrom(type);
		boolean stream = REACTIVE_STREAMS_PRESENT && ReactiveStreams.isPublisher(type)
				&& !(REACTOR_PRESENT && Reactor.isMono(type));
		if (flow || stream) {
			throw unsupported(method, "is a suspend function returning " + type.getName() + ", a stream (Spring turns "
					+ "it into a Flux) that may emit for as long as it likes, so the lock would be held for an "
					+ "unbounded time or released before the work ends",
					"Lock a suspend function that returns a single value (e.g. collect the items first, or lock each "
							+ "item's update in its own suspend call), or call the template per order from inside "
							+ "the flow.");
		}
		return SUSPEND;
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
