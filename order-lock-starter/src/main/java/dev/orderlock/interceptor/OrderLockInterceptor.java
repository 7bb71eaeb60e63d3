package dev.orderlock.interceptor;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import dev.orderlock.LockCallback;
import dev.orderlock.LockRequest;
import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockException;
import dev.orderlock.OrderLockStatus;
import dev.orderlock.OrderLockTemplate;
import dev.orderlock.ReactiveOrderLockTemplate;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.framework.AopProxyUtils;

/**
 * Runs a call of an {@link OrderLock} method through {@link OrderLockTemplate}'s public API, so that the annotation
 * and programmatic callers share one lifecycle: resolves the keys once, makes the method's {@link LockRequest} for
 * them (built at start-up) and hands the call to the template's form for the method's return style, decided at
 * start-up by {@link LockedReturn}. Nothing else happens here.
 * <p>
 * Fails closed: a key that cannot be resolved, or no template to lock with, throws before the method runs.
 */
public final class OrderLockInterceptor implements MethodInterceptor {

	private final LockOperationSource operationSource;

	/** Resolved on first call, so that finding advisors at start-up does not create the RedissonClient. */
	private final Supplier<OrderLockTemplate> template;

	/** Created on the first reactive call only, so that Reactor is needed only by applications that use it. */
	private volatile @Nullable Object reactive;

	/**
	 * {@code false} only for {@link #disabled}: kept in this class rather than in a pass-through interceptor because
	 * the start-up check recognises a bean proxied by order-lock by this interceptor among its advisors.
	 */
	private final boolean enabled;

	public OrderLockInterceptor(LockOperationSource operationSource, Supplier<OrderLockTemplate> template) {
		this(operationSource, template, true);
	}

	private OrderLockInterceptor(LockOperationSource operationSource, Supplier<OrderLockTemplate> template,
			boolean enabled) {
		this.operationSource = operationSource;
		this.template = template;
		this.enabled = enabled;
	}

	/**
	 * An interceptor that runs every call without a lock: {@code order-lock.enabled=false} read at run time by an
	 * application whose conditions were evaluated at build time (Spring AOT), where the advisor that the switch
	 * would have removed is already part of the bean definitions.
	 */
	public static OrderLockInterceptor disabled(LockOperationSource operationSource) {
		return new OrderLockInterceptor(operationSource, () -> {
			throw new IllegalStateException("order-lock is disabled");
		}, false);
	}

	@Override
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		if (!this.enabled) {
			return invocation.proceed();
		}
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopProxyUtils.ultimateTargetClass(target) : null;
		LockOperation operation = this.operationSource.getOperation(invocation.getMethod(), targetClass);
		if (operation == null) {
			return invocation.proceed();
		}
		Object keys = this.operationSource.resolveKeys(operation, invocation.getArguments(), target);
		LockRequest request = requestFor(operation, keys);
		OrderLockTemplate template = this.template.get();
		return switch (operation.returns()) {
			case SYNCHRONOUS -> template.execute(request, (LockCallback<Object, Throwable>) (lock) -> invocation.proceed());
			case COMPLETION_STAGE -> template.executeAsync(request, (lock) -> proceedToStage(invocation));
			// proceed() of a suspend function returns the Mono Spring built for its body.
			case MONO, SUSPEND -> Reactive.lock(reactive(template), request, invocation);
		};
	}

	private Object reactive(OrderLockTemplate template) {
		Object reactive = this.reactive;
		if (reactive == null) {
			reactive = Reactive.template(template);
			this.reactive = reactive;
		}
		return reactive;
	}

	private static CompletionStage<?> proceedToStage(MethodInvocation invocation) {
		try {
			return (CompletionStage<?>) invocation.proceed();
		}
		catch (Throwable ex) {
			// Reaches the caller unchanged: the template rethrows what the work threw, after the release.
			throw OrderLockInterceptor.<RuntimeException>sneaky(ex);
		}
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> E sneaky(Throwable ex) throws E {
		throw (E) ex;
	}

	@SuppressWarnings("unchecked")
	private static LockRequest requestFor(LockOperation operation, Object keys) {
		if (keys instanceof String key) {
			return operation.request().forKey(key);
		}
		try {
			return operation.request().forKeys((List<String>) keys);
		}
		catch (IllegalArgumentException ex) {
			// Several orders where the key's declared type did not tell at start-up, with an option that needs one.
			throw new OrderLockException("Lock key expression '" + operation.keyText() + "' of "
					+ operation.description() + " resolved to several orders, but the method "
					+ ex.getMessage().substring(ex.getMessage().indexOf(' ', "Lock request ".length()) + 1)
					+ " The method was not run.", ex);
		}
	}

	/** Kept apart so that Reactor's classes are only loaded when a reactive method is called. */
	private static final class Reactive {

		static Object template(OrderLockTemplate template) {
			return new ReactiveOrderLockTemplate(template);
		}

		static Object lock(Object template, LockRequest request, MethodInvocation invocation) {
			return ((ReactiveOrderLockTemplate) template).execute(request, (OrderLockStatus lock) -> invoke(invocation));
		}

		private static Mono<?> invoke(MethodInvocation invocation) {
			// A clone per subscription, so that a re-subscription (retry) runs the rest of the advice chain again.
			MethodInvocation call = (invocation instanceof ProxyMethodInvocation proxied) ? proxied.invocableClone()
					: invocation;
			try {
				Object work = call.proceed();
				return (work != null) ? Mono.from((org.reactivestreams.Publisher<?>) work) : Mono.empty();
			}
			catch (Throwable ex) {
				return Mono.error(ex);
			}
		}

	}

}
