package dev.orderlock;

import org.aopalliance.intercept.MethodInvocation;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Locks a method returning a Reactor {@link Mono} for as long as the Mono runs: each subscription acquires the lock
 * without blocking, then invokes the method and subscribes to its Mono, and releases the lock when that Mono
 * completes, fails or is cancelled (as Spring's reactive transactions do with {@code Mono.usingWhen}). The method
 * itself only runs once the lock is held, so nothing it does eagerly runs unlocked. Only loaded with Reactor present
 * (it returns {@code Object} so that its callers need not know Reactor either).
 */
final class MonoLocking {

	private MonoLocking() {
	}

	static Object lock(OrderLockTemplate template, String key, LockOperation operation, MethodInvocation invocation) {
		return Mono.usingWhen(
				Mono.defer(() -> Mono.fromFuture(
						template.acquireAsync(key, operation.waitTime(), operation.leaseTime(), operation.description()))),
				(held) -> Mono.defer(() -> invoke(invocation)),
				(held) -> Mono.fromFuture(held.release()),
				(held, error) -> Mono.fromFuture(held.release()),
				(held) -> Mono.fromFuture(held.release()));
	}

	private static Mono<?> invoke(MethodInvocation invocation) {
		// A clone per subscription, so that a re-subscription (retry) runs the rest of the advice chain again.
		MethodInvocation call = (invocation instanceof ProxyMethodInvocation proxied) ? proxied.invocableClone()
				: invocation;
		try {
			Mono<?> work = (Mono<?>) call.proceed();
			return (work != null) ? work : Mono.empty();
		}
		catch (Throwable ex) {
			return Mono.error(ex);
		}
	}

}
