package dev.orderlock;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import org.springframework.aop.ProxyMethodInvocation;

/**
 * Locks a method returning a Reactor {@link Mono} (or a Kotlin {@code suspend} function, which Spring's AOP hands
 * over as one) for as long as the Mono runs: each subscription acquires the lock without blocking, then invokes the
 * method and subscribes to its Mono, and releases the lock when that Mono completes, fails or is cancelled. The
 * method itself only runs once the lock is held, so nothing it does eagerly runs unlocked, and it runs on the
 * template's continuation threads, never on the Redisson I/O thread that answered the acquire (blocking work there
 * would stall every Redis reply of the client, watchdog renewals included). A lost lease fails the Mono with
 * {@link OrderLockLeaseLostException}, or, when the work failed itself, is added to the work's failure as suppressed.
 * Only loaded with Reactor present (it returns {@code Object} so that its callers need not know Reactor either).
 */
final class MonoLocking {

	private static final Scheduler CONTINUATIONS = Schedulers.fromExecutor(OrderLockTemplate.continuations());

	private MonoLocking() {
	}

	static Object lock(OrderLockTemplate template, LockRequest request, MethodInvocation invocation) {
		return Mono.defer(() -> {
			LockObserver.Attempt attempt = template.observer().waitingOnAnyThread(request.name());
			CompletableFuture<HeldOrderLock> acquiring = template.acquireAsync(request, attempt);
			AtomicReference<@Nullable HeldOrderLock> holding = new AtomicReference<>();
			// Cancelling the wait must not cancel Redisson's acquire half-way: let it finish, then hand back what it got.
			return Mono.fromFuture(acquiring, true)
				.publishOn(CONTINUATIONS)
				.flatMap((held) -> {
					holding.set(held);
					// Not after a cancellation released it: the method runs only while the lock is held.
					Mono<?> work = held.whileHeld(() -> invoke(held, invocation));
					return (work == null) ? Mono.empty() : work.materialize()
						.flatMap((signal) -> Mono.fromFuture(held.finish(signal.get(), signal.getThrowable())));
				})
				.doOnSuccess((ignored) -> attempt.ended(null))
				.doOnError(attempt::ended)
				.doOnCancel(() -> {
					HeldOrderLock held = holding.get();
					if (held != null) {
						held.releaseAsync();
					}
					else {
						acquiring.thenAccept(HeldOrderLock::releaseAsync);
					}
					attempt.ended(null);
				});
		});
	}

	private static Mono<?> invoke(HeldOrderLock held, MethodInvocation invocation) {
		// A clone per subscription, so that a re-subscription (retry) runs the rest of the advice chain again.
		MethodInvocation call = (invocation instanceof ProxyMethodInvocation proxied) ? proxied.invocableClone()
				: invocation;
		OrderLockContext.push(held);
		held.attachToCurrentThread();
		try {
			Object work = call.proceed();
			return (work != null) ? Mono.from((org.reactivestreams.Publisher<?>) work) : Mono.empty();
		}
		catch (Throwable ex) {
			return Mono.error(ex);
		}
		finally {
			held.detachFromCurrentThread();
			OrderLockContext.pop();
		}
	}

}
