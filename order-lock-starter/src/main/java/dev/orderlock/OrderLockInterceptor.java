package dev.orderlock;

import java.util.List;
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
	@SuppressWarnings("unchecked")
	public @Nullable Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopProxyUtils.ultimateTargetClass(target) : null;
		LockOperation operation = this.operationSource.getOperation(invocation.getMethod(), targetClass);
		if (operation == null) {
			return invocation.proceed();
		}
		Object keys = this.operationSource.resolveKeys(operation, invocation.getArguments(), target);
		OrderLockTemplate template = this.template.get();
		if (operation.returns() != LockedReturn.SYNCHRONOUS) {
			if (!(keys instanceof String key)) {
				throw new OrderLockException("Lock key expression '" + operation.keyText() + "' of "
						+ operation.description() + " resolved to several orders, which asynchronous methods cannot "
						+ "lock yet. The method was not run. Lock one order per call, or make the method synchronous.");
			}
			// Else MONO or SUSPEND: proceed() of a suspend function returns the Mono Spring built for its body.
			return (operation.returns() == LockedReturn.COMPLETION_STAGE)
					? template.executeAsync(key, operation.waitTime(), operation.leaseTime(), operation.description(),
							() -> (CompletionStage<?>) invocation.proceed())
					: MonoLocking.lock(template, key, operation, invocation);
		}
		if (keys instanceof String key && operation.kind() == LockKind.EXCLUSIVE) {
			return template.execute(key, operation.waitTime(), operation.leaseTime(), operation.maxHoldTime(),
					operation.fenced(), operation.description(), invocation::proceed);
		}
		// Another kind, or several orders (a List from a collection or array key).
		return template.execute(operation.kind(), (keys instanceof String key) ? List.of(key) : (List<String>) keys,
				operation.waitTime(), operation.leaseTime(), operation.maxHoldTime(), operation.description(),
				invocation::proceed);
	}

}
