package dev.orderlock.interceptor;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockDefinitionException;
import dev.orderlock.OrderLockTemplate;
import dev.orderlock.support.MethodDescriptions;
import org.aopalliance.aop.Advice;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.Advisor;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.framework.ProxyConfig;
import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.BeanFactoryUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Fails the start-up, instead of letting a guarded method run unlocked later, when an {@link OrderLock} bean cannot
 * work: an expression or duration that does not parse, a method the proxy cannot intercept, a final class that
 * would need a class proxy, a bean that was not proxied at all, or a transaction advisor that would commit outside
 * the lock, or read/write methods beside exclusive ones, which would not exclude each other, or no
 * {@link OrderLockTemplate} at all (no {@code RedissonClient} bean).
 * <p>
 * Runs after the auto-proxy creator, so it sees the bean as callers will.
 */
public final class OrderLockBeanValidator
		implements BeanPostProcessor, Ordered, SmartInitializingSingleton, BeanFactoryAware {

	private static final Log logger = LogFactory.getLog(OrderLockBeanValidator.class);

	private static final String TRANSACTION_INTERCEPTOR = "org.springframework.transaction.interceptor.TransactionInterceptor";

	private final LockOperationSource operationSource;

	private final Map<Class<?>, List<Method>> lockedMethods = new ConcurrentHashMap<>(256);

	private @Nullable ConfigurableListableBeanFactory beanFactory;

	private final Set<String> fencedMethods = ConcurrentHashMap.newKeySet();

	private final Set<String> plainMethods = ConcurrentHashMap.newKeySet();

	/** Methods of the read/write lock and of the other kinds, which do not exclude each other, by description. */
	private final Map<String, Method> readWriteMethods = new ConcurrentHashMap<>();

	private final Map<String, Method> ownerMethods = new ConcurrentHashMap<>();

	public OrderLockBeanValidator(LockOperationSource operationSource) {
		this.operationSource = operationSource;
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableListableBeanFactory listable) {
			this.beanFactory = listable;
		}
	}

	/**
	 * Runs before the auto-proxy creator (which proxies after initialization): a class proxy of a final class fails
	 * there with a generic CGLIB message, so name the method and the fix first.
	 */
	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
		if (Modifier.isFinal(targetClass.getModifiers()) && !AopUtils.isAopProxy(bean)) {
			List<Method> methods = this.lockedMethods.computeIfAbsent(targetClass, OrderLockBeanValidator::findLocked);
			if (!methods.isEmpty() && usesClassProxy(targetClass, beanName)) {
				throw new OrderLockDefinitionException(methods.get(0),
						"belongs to bean '" + beanName + "', whose class is final, so it cannot be proxied and the "
								+ "method would run without the lock",
						"Remove 'final' from the class " + targetClass.getName() + " (Kotlin: make it 'open', or use "
								+ "the kotlin-spring plugin), or call OrderLockTemplate inside the method.",
						null);
			}
		}
		return bean;
	}

	private boolean usesClassProxy(Class<?> targetClass, String beanName) {
		if (targetClass.getInterfaces().length == 0 || this.beanFactory == null) {
			return true;
		}
		if (AutoProxyUtils.shouldProxyTargetClass(this.beanFactory, beanName)) {
			return true;
		}
		if (this.beanFactory.containsBean(AopConfigUtils.AUTO_PROXY_CREATOR_BEAN_NAME)) {
			Object creator = this.beanFactory.getBean(AopConfigUtils.AUTO_PROXY_CREATOR_BEAN_NAME);
			return !(creator instanceof ProxyConfig config) || config.isProxyTargetClass();
		}
		return true;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		validate(bean, beanName);
		return bean;
	}

	/**
	 * Catches singletons this post-processor never saw: created before it was registered (e.g. needed by another
	 * BeanPostProcessor, hence never proxied either) or registered as ready-made objects. Checking the others again
	 * is cheap (locked methods are cached per class) and cheaper than remembering every bean name.
	 */
	@Override
	public void afterSingletonsInstantiated() {
		if (this.beanFactory == null) {
			return;
		}
		for (String beanName : this.beanFactory.getSingletonNames()) {
			Object bean = this.beanFactory.getSingleton(beanName);
			if (bean != null) {
				validate(bean, beanName);
			}
		}
		failWithoutTemplate(this.beanFactory);
		warnAboutMixedFencing();
		failOnMixedKinds();
	}

	/**
	 * Without a template (no {@code RedissonClient} bean for the auto-configured one, none of the user's) every guarded
	 * method would fail on its first call: fail the start-up instead, naming them. Counts lazy and prototype beans
	 * too, from their bean definitions; only looked for when there is no template, so it costs nothing otherwise.
	 */
	private void failWithoutTemplate(ConfigurableListableBeanFactory beanFactory) {
		if (BeanFactoryUtils.beanNamesForTypeIncludingAncestors(beanFactory, OrderLockTemplate.class, true,
				false).length > 0) {
			return;
		}
		Map<String, Method> guarded = new TreeMap<>();
		for (String beanName : beanFactory.getBeanDefinitionNames()) {
			Class<?> type;
			try {
				type = beanFactory.getType(beanName, false);
			}
			catch (RuntimeException ex) {
				continue; // Not predictable without creating it; a call would still fail rather than run unlocked.
			}
			if (type != null) {
				this.lockedMethods.computeIfAbsent(ClassUtils.getUserClass(type), OrderLockBeanValidator::findLocked);
			}
		}
		for (List<Method> methods : this.lockedMethods.values()) {
			for (Method method : methods) {
				guarded.put(MethodDescriptions.describe(method), method);
			}
		}
		if (guarded.isEmpty()) {
			return;
		}
		int others = guarded.size() - 1;
		String andOthers = switch (others) {
			case 0 -> "";
			case 1 -> "and 1 other @OrderLock method ";
			default -> "and " + others + " other @OrderLock methods ";
		};
		throw new OrderLockDefinitionException(guarded.values().iterator().next(),
				andOthers + "would run without a lock: " + MissingLockTemplate.WHY, MissingLockTemplate.ACTION, null);
	}

	/**
	 * Redisson's read/write lock keeps a different shape in the same Redis key than its exclusive, fair and fenced
	 * locks: a write lock is granted while an exclusive lock of the same order is held (and the other way round after
	 * a read), so one application must not use both families.
	 */
	private void failOnMixedKinds() {
		if (this.readWriteMethods.isEmpty() || this.ownerMethods.isEmpty()) {
			return;
		}
		Method readWrite = this.readWriteMethods.get(new TreeSet<>(this.readWriteMethods.keySet()).first());
		throw new OrderLockDefinitionException(readWrite, "uses a read/write lock (kind = READ or WRITE), while "
				+ new TreeSet<>(this.ownerMethods.keySet()) + " use an exclusive, fair or fenced lock: Redisson's "
				+ "read/write lock and its other locks of one key do not exclude each other",
				"Use kind = WRITE instead of EXCLUSIVE (without fenced or FAIR) on every method that changes what the "
						+ "READ methods read, or make every method exclusive.",
				null);
	}

	/**
	 * Fenced and plain locks of one key exclude each other, but only fenced holders write a fence: a plain method's
	 * write is not protected from a stale fenced holder. Not an error (the keys may name different things).
	 */
	private void warnAboutMixedFencing() {
		if (!this.fencedMethods.isEmpty() && !this.plainMethods.isEmpty()) {
			logger.warn("@OrderLock is fenced on " + new TreeSet<>(this.fencedMethods) + " but not on "
					+ new TreeSet<>(this.plainMethods) + ". If they lock the same orders, they still exclude each "
					+ "other, but only fenced methods get a fencing token: make every method that writes an "
					+ "order's state fenced = true, or none.");
		}
	}

	private void validate(Object bean, String beanName) {
		Class<?> targetClass = AopProxyUtils.ultimateTargetClass(bean);
		List<Method> methods = this.lockedMethods.computeIfAbsent(targetClass, OrderLockBeanValidator::findLocked);
		if (methods.isEmpty()) {
			return;
		}
		for (Method method : methods) {
			checkInterceptable(bean, method);
			// Parses the expression and durations now: a typo fails the start-up, not the first request.
			LockOperation operation = this.operationSource.getOperation(method, targetClass);
			if (operation != null) {
				(operation.fenced() ? this.fencedMethods : this.plainMethods).add(operation.description());
				(operation.kind().readWrite() ? this.readWriteMethods : this.ownerMethods)
					.put(operation.description(), method);
			}
		}
		checkAdvised(bean, beanName, methods.get(0));
	}

	private static List<Method> findLocked(Class<?> targetClass) {
		return List.copyOf(MethodIntrospector
			.selectMethods(targetClass,
					(MethodIntrospector.MetadataLookup<OrderLock>) (method) -> AnnotatedElementUtils
						.findMergedAnnotation(method, OrderLock.class))
			.keySet());
	}

	private static void checkInterceptable(Object bean, Method method) {
		int modifiers = method.getModifiers();
		String reason = null;
		if (Modifier.isStatic(modifiers)) {
			reason = "is static";
		}
		else if (Modifier.isPrivate(modifiers)) {
			reason = "is private";
		}
		else if (AopUtils.isJdkDynamicProxy(bean)) {
			if (ReflectionUtils.findMethod(bean.getClass(), method.getName(), method.getParameterTypes()) == null) {
				reason = "is not declared on any interface of its JDK proxy";
			}
		}
		else if (Modifier.isFinal(modifiers)) {
			reason = "is final";
		}
		if (reason != null) {
			throw new OrderLockDefinitionException(method,
					reason + ", so the proxy cannot intercept it and it would run without the lock",
					"Make it a public, non-final instance method called through the bean (or use OrderLockTemplate "
							+ "inside it).",
					null);
		}
	}

	private static void checkAdvised(Object bean, String beanName, Method method) {
		int lockIndex = -1;
		int transactionIndex = -1;
		if (bean instanceof Advised advised) {
			Advisor[] advisors = advised.getAdvisors();
			for (int i = 0; i < advisors.length; i++) {
				Advice advice = advisors[i].getAdvice();
				if (advice instanceof OrderLockInterceptor && lockIndex < 0) {
					lockIndex = i;
				}
				else if (isTransactionInterceptor(advice) && transactionIndex < 0) {
					transactionIndex = i;
				}
			}
		}
		if (lockIndex < 0) {
			throw new OrderLockDefinitionException(method, "belongs to bean '" + beanName
					+ "', which was not proxied by order-lock, so it would run without the lock",
					"Let Spring create the bean normally: it must not be needed by a BeanPostProcessor or created "
							+ "before the auto-proxy creator, and must not be built with 'new'.",
					null);
		}
		if (transactionIndex >= 0 && transactionIndex < lockIndex) {
			throw new OrderLockDefinitionException(method, "runs inside its transaction advisor on bean '" + beanName
					+ "', so the lock would be released before the commit and another instance could read the old "
					+ "state", "Give order-lock.advisor-order a lower value than the transaction advisor's order "
							+ "(@EnableTransactionManagement(order = ...)).",
					null);
		}
	}

	private static boolean isTransactionInterceptor(Advice advice) {
		for (Class<?> type = advice.getClass(); type != null; type = type.getSuperclass()) {
			if (type.getName().equals(TRANSACTION_INTERCEPTOR)) {
				return true;
			}
		}
		return false;
	}

}
