package dev.orderlock;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs reactive work under the locks of a {@link LockRequest}: the {@code Mono} form of {@link OrderLockTemplate},
 * with the same lock names, options and lifecycle (the annotation's adapter for {@code Mono} methods and Kotlin
 * {@code suspend} functions is this class). Needs Reactor on the class path.
 * <p>
 * Each subscription acquires the lock without blocking a thread, then calls {@code work} and subscribes to its Mono,
 * and releases the lock when that Mono completes, fails or is cancelled; subscribing again (a retry) locks again.
 * {@code work} is called only while the lock is held, so nothing it does eagerly runs unlocked; it and everything
 * downstream run on order-lock's continuation threads, never on the Redisson I/O thread that answered (blocking work
 * there would stall every Redis reply of the client, watchdog renewals included). The lock is owned by the
 * subscription, not by a thread; the local hand-off queue does not apply (it parks threads).
 * <p>
 * Failure behaviour, always closed (the work is never called without the lock), as error signals: busy
 * ({@link OrderLockTimeoutException}), Redis unavailable ({@link OrderLockUnavailableException}), an unusable key
 * ({@link OrderLockException}). A lock found lost when the work ends ({@code maxHoldTime}, lease expired) fails the
 * Mono with {@link OrderLockLeaseLostException}; when the work failed itself, its own failure is the signal and
 * carries the loss as suppressed. Cancelling releases the lock once the cancellation has reached the work: work that
 * does not stop when cancelled must not be bounded by cancelling it (see docs/async.md).
 */
public final class ReactiveOrderLockTemplate {

	private static final Scheduler CONTINUATIONS = Schedulers.fromExecutor(OrderLockTemplate.continuations());

	private final OrderLockTemplate template;

	/** Locks through {@code template}: its Redis, key prefix, defaults, observers and counters. */
	public ReactiveOrderLockTemplate(OrderLockTemplate template) {
		this.template = Objects.requireNonNull(template, "template must not be null");
	}

	/**
	 * A Mono that, per subscription, runs {@code work} under the locks of {@code request} and holds them until the
	 * work's Mono ends.
	 * @param work called with the held lock's status (keys, fencing token); may return {@code null} for empty
	 */
	public <T extends @Nullable Object> Mono<T> execute(LockRequest request,
			Function<OrderLockStatus, ? extends @Nullable Mono<T>> work) {
		Objects.requireNonNull(request, "request must not be null");
		Objects.requireNonNull(work, "work must not be null");
		return Mono.defer(() -> {
			LockObserver.Attempt attempt = this.template.observer().waitingOnAnyThread(request.name());
			CompletableFuture<HeldOrderLock> acquiring = this.template.acquireAsync(request, attempt);
			AtomicReference<@Nullable HeldOrderLock> holding = new AtomicReference<>();
			// Cancelling the wait must not cancel Redisson's acquire half-way: let it finish, then hand back what it got.
			return Mono.fromFuture(acquiring, true)
				.publishOn(CONTINUATIONS)
				.flatMap((held) -> {
					holding.set(held);
					// Not after a cancellation released it: the work starts only while the lock is held.
					Mono<T> started = held.whileHeld(() -> start(held, work));
					return (started == null) ? Mono.<T>empty() : started.materialize()
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

	/** Calls the work with the lock visible on this thread (its token, transactions it begins here). */
	private static <T> Mono<T> start(HeldOrderLock held, Function<OrderLockStatus, ? extends @Nullable Mono<T>> work) {
		OrderLockContext.push(held);
		held.attachToCurrentThread();
		try {
			Mono<T> mono = work.apply(held);
			return (mono != null) ? mono : Mono.empty();
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
