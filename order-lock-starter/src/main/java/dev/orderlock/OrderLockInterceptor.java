package dev.orderlock;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.framework.AopProxyUtils;

/**
 * Maps a call of an {@link OrderLock} method onto {@link OrderLockTemplate}: resolves the key once, then proceeds
 * under the lock. Nothing else happens here, so the annotation and the template cannot drift apart.
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
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopProxyUtils.ultimateTargetClass(target) : null;
		LockOperation operation = this.operationSource.getOperation(invocation.getMethod(), targetClass);
		if (operation == null) {
			return invocation.proceed();
		}
		String key = this.operationSource.resolveKey(operation, invocation.getArguments(), target);
		OrderLockTemplate template = this.template.get();
		return switch (operation.returns()) {
			case SYNCHRONOUS -> template.execute(key, operation.waitTime(), operation.leaseTime(),
					operation.maxHoldTime(), operation.fenced(), operation.description(), invocation::proceed);
			case COMPLETION_STAGE -> template.executeAsync(key, operation.waitTime(), operation.leaseTime(),
					operation.description(), () -> (CompletionStage<?>) invocation.proceed());
			case MONO -> MonoLocking.lock(template, key, operation, invocation);
		};
	}

}
