package dev.orderlock;

import java.util.concurrent.CompletableFuture;

import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Locks a method returning a Reactor {@link Mono} for as long as the Mono runs: each subscription acquires the lock
 * without blocking, then invokes the method and subscribes to its Mono, and releases the lock when that Mono
 * completes, fails or is cancelled (as Spring's reactive transactions do with {@code Mono.usingWhen}). The method
 * itself only runs once the lock is held, so nothing it does eagerly runs unlocked. Each subscription is reported to
 * the template's observer like a synchronous call, without binding anything to a thread. Only loaded with Reactor
 * present (it returns {@code Object} so that its callers need not know Reactor either).
 */
final class MonoLocking {

	private MonoLocking() {
	}

	static Object lock(OrderLockTemplate template, String key, LockOperation operation, MethodInvocation invocation) {
		String origin = operation.description();
		return Mono.usingWhen(Mono.defer(() -> acquire(template, key, operation, origin)),
				(held) -> Mono.defer(() -> invoke(invocation)),
				(held) -> release(held, null),
				(held, error) -> release(held, error),
				(held) -> release(held, null));
	}

	private static Mono<AsyncOrderLock> acquire(OrderLockTemplate template, String key, LockOperation operation,
			String origin) {
		LockObserver.Attempt attempt = template.observer().waitingOnAnyThread(origin);
		CompletableFuture<AsyncOrderLock> acquiring = template.acquireAsync(key, operation.waitTime(),
				operation.leaseTime(), origin);
		// Cancelling the wait must not cancel Redisson's acquire half-way: let it finish, then hand back what it got.
		return Mono.fromFuture(acquiring, true).doOnNext((held) -> {
			attempt.acquired();
			held.observedBy(attempt);
		}).doOnError((failure) -> {
			attempt.notAcquired(LockObserver.Outcome.of(failure), failure);
			attempt.ended(failure);
		}).doOnCancel(() -> acquiring.whenComplete((held, failure) -> {
			if (held != null) {
				held.release();
			}
			attempt.ended(null);
		}));
	}

	private static Mono<Void> release(AsyncOrderLock held, @Nullable Throwable workFailure) {
		return Mono.fromFuture(held.release())
			.doOnSuccess((ignored) -> held.attempt().ended(workFailure))
			.doOnError((lost) -> held.attempt().ended((workFailure != null) ? workFailure : lost));
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
