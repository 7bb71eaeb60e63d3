package dev.orderlock;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;

/**
 * Maps a call of an {@link OrderLock} method onto {@link OrderLockTemplate}: resolves the keys once, makes the
 * method's {@link LockRequest} for them and hands the call to the adapter of its return style, decided at start-up.
 * Nothing else happens here, so the annotation and the template cannot drift apart.
 */
final class OrderLockInterceptor implements MethodInterceptor {

	private final LockOperationSource operationSource;

	/** Resolved on first call, so that finding advisors at start-up does not create the RedissonClient. */
	private final Supplier<OrderLockTemplate> template;

	OrderLockInterceptor(LockOperationSource operationSource, Supplier<OrderLockTemplate> template) {
		this.operationSource = operationSource;
		this.template = template;
	}

	@Override
	@SuppressWarnings("unchecked")
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
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
			case SYNCHRONOUS -> template.call(request, (lock) -> invocation.proceed());
			case COMPLETION_STAGE -> template.callAsync(request, (lock) -> (CompletionStage<?>) invocation.proceed());
			// proceed() of a suspend function returns the Mono Spring built for its body.
			case MONO, SUSPEND -> MonoLocking.lock(template, request, invocation);
		};
	}

	@SuppressWarnings("unchecked")
	private static LockRequest requestFor(LockOperation operation, Object keys) {
		if (keys instanceof String key) {
			return operation.request().withKey(key);
		}
		try {
			return operation.request().withKeys((List<String>) keys);
		}
		catch (IllegalArgumentException ex) {
			// Several orders where the key's declared type did not tell at start-up, with an option that needs one.
			throw new OrderLockException("Lock key expression '" + operation.keyText() + "' of "
					+ operation.description() + " resolved to several orders, but the method "
					+ ex.getMessage().substring(ex.getMessage().indexOf(' ', "Lock request ".length()) + 1)
					+ " The method was not run.", ex);
		}
	}

}
