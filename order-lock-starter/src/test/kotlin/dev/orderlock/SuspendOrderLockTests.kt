package dev.orderlock

import dev.orderlock.autoconfigure.OrderLockAutoConfiguration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger

import dev.orderlock.testredis.TestRedis
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.BeforeAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.redisson.api.RedissonClient
import reactor.core.publisher.Flux

import org.springframework.boot.SpringBootConfiguration
import org.springframework.boot.autoconfigure.AutoConfigurations
import org.springframework.boot.autoconfigure.EnableAutoConfiguration
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration
import org.springframework.boot.test.context.runner.ApplicationContextRunner
import org.springframework.context.annotation.Bean

/**
 * Kotlin `suspend fun`s annotated with [OrderLock]: Spring AOP hands their work to the advice as a `Mono`, which is
 * locked per call like a `Mono` method, so the lock is held across suspension points and thread switches and released
 * when the coroutine completes, fails or is cancelled. Streams (`Flow`) and the options the asynchronous path refuses
 * fail the start. Two application instances (separate RedissonClients) on one real Redis.
 */
@Timeout(120)
class SuspendOrderLockTests {

	companion object {

		private val prefix = TestClients.uniquePrefix()

		private lateinit var instances: TwoInstances

		private lateinit var onA: SuspendOrders

		private lateinit var onB: SuspendOrders

		/** Reads Redis directly, to see whether a lock's key is there. */
		private lateinit var redis: RedissonClient

		/** A thread no caller runs on: a body resumes here after its suspension, away from where it started. */
		private val elsewhere = Executors.newSingleThreadExecutor { Thread(it, "elsewhere") }.asCoroutineDispatcher()

		@JvmStatic
		@BeforeAll
		fun start() {
			instances = TwoInstances.start(SuspendApplication::class.java, "order-lock.key-prefix=$prefix",
					"order-lock.wait-time=30s")
			onA = instances.first.getBean(SuspendOrders::class.java)
			onB = instances.second.getBean(SuspendOrders::class.java)
			redis = instances.second.getBean(RedissonClient::class.java)
		}

		@JvmStatic
		@AfterAll
		fun stop() {
			instances.close()
			elsewhere.close()
		}

		suspend fun lockKeyExists(orderId: Long): Boolean =
			redis.keys.countExistsAsync("$prefix:$orderId").toCompletableFuture().await() == 1L

		/** Without the " @coroutine#N" that kotlinx.coroutines' debug mode (on with -ea) appends. */
		fun threadName(): String = Thread.currentThread().name.substringBefore(" @")

	}

	@Test
	fun twoInstancesNeverRunOneOrderAtOnceAndHoldTheKeyAcrossSuspension(): Unit = runBlocking {
		val witness = Witness()
		repeat(5) {
			coroutineScope {
				for (orderId in 100L until 106L) {
					launch(Dispatchers.Default) { onA.pay(orderId, witness) }
					launch(Dispatchers.Default) { onB.pay(orderId, witness) }
				}
			}
		}
		assertThat(witness.bodies).hasValue(5 * 6 * 2)
		assertThat(witness.maxInsideOneOrder).`as`("two calls of one order ran their bodies at the same time")
			.hasValue(1)
		assertThat(witness.keyMissing).`as`("orders whose lock key was gone while their body still ran").isEmpty()
		assertThat(witness.startedOn.toList()).`as`("bodies started on the callers' threads").doesNotContain("elsewhere")
		assertThat(witness.checkedOn.toList()).`as`("the key was checked after the suspension, on another thread")
			.containsOnly("elsewhere")
		assertThat(witness.maxInsideAnyOrder).`as`("different orders must not wait for each other")
			.hasValueGreaterThan(1)
	}

	@Test
	fun completedCallHasReleasedTheLockWhenTheCallerResumes(): Unit = runBlocking {
		assertThat(onA.pay(1, Witness())).isEqualTo("paid")
		assertThat(lockKeyExists(1)).isFalse()
		assertThat(onB.payNow(1, AtomicBoolean())).isEqualTo("paid at once")
	}

	@Test
	fun failedCallReleasesTheLockAndTheCallerGetsItsException(): Unit = runBlocking {
		val declined = IllegalStateException("card declined for order 2")
		val caught = runCatching { onA.decline(2, declined) }.exceptionOrNull()
		assertThat(caught).isInstanceOf(IllegalStateException::class.java).hasMessage("card declined for order 2")
		// Without -ea the caller gets this very instance; with assertions on, kotlinx.coroutines' debug mode may hand
		// back a copy with a recovered stack trace whose cause is the original.
		assertThat(if (caught === declined) caught else caught!!.cause).isSameAs(declined)
		assertThat(lockKeyExists(2)).isFalse()
		assertThat(onB.payNow(2, AtomicBoolean())).isEqualTo("paid at once")
	}

	@Test
	fun callCancelledByATimeoutWhileSuspendedReleasesTheLock(): Unit = runBlocking {
		val body = Parked()
		val timedOut = runCatching { withTimeout(1_000) { onA.park(3, body) } }.exceptionOrNull()
		assertThat(timedOut).isInstanceOf(TimeoutCancellationException::class.java)
		assertThat(body.entered.isCompleted).`as`("the timeout must hit the body, not the wait for the lock").isTrue()
		assertThat(withTimeout(10_000) { body.cancelled.await() }).isInstanceOf(CancellationException::class.java)
		assertThat(eventually { onB.payNow(3, AtomicBoolean()) }).isEqualTo("paid at once")
	}

	@Test
	fun cancelledJobReleasesTheLock(): Unit = runBlocking {
		val body = Parked()
		val job = launch(Dispatchers.Default) { onA.park(4, body) }
		withTimeout(10_000) { body.entered.await() }
		assertThat(lockKeyExists(4)).isTrue()
		job.cancelAndJoin()
		assertThat(withTimeout(10_000) { body.cancelled.await() }).isInstanceOf(CancellationException::class.java)
		assertThat(eventually { onB.payNow(4, AtomicBoolean()) }).isEqualTo("paid at once")
		assertThat(lockKeyExists(4)).isFalse()
	}

	@Test
	fun busyOrderThrowsOrderLockTimeoutExceptionToTheCallerWithoutRunningTheBody(): Unit = runBlocking {
		val body = Parked()
		val holder = launch(Dispatchers.Default) { onA.park(5, body) }
		withTimeout(10_000) { body.entered.await() }
		val ran = AtomicBoolean()
		val busy = runCatching { onB.payNow(5, ran) }.exceptionOrNull()
		assertThat(busy).isInstanceOf(OrderLockTimeoutException::class.java).hasMessageContaining("$prefix:5")
		assertThat(ran).isFalse()
		holder.cancelAndJoin()
		assertThat(eventually { onB.payNow(5, ran) }).isEqualTo("paid at once")
	}

	@Test
	fun keyOfSeveralOrdersLocksEveryOrderForTheWholeCoroutine(): Unit = runBlocking {
		val ran = AtomicBoolean()
		assertThat(onA.payAll(listOf(6L, 7L), ran)).isEqualTo("paid all")
		assertThat(ran).`as`("both orders' keys existed after a suspension inside the body").isTrue()
		assertThat(lockKeyExists(6) || lockKeyExists(7)).isFalse()
	}

	@Test
	fun holdTimeCapFreesTheOrderWhileTheCoroutineStillRunsAndFailsTheCall(): Unit = runBlocking {
		val hung = async(Dispatchers.Default) { runCatching { onA.hang(8) }.exceptionOrNull() }
		delay(100)
		assertThat(withContext(Dispatchers.IO) { eventually { onB.payNow(8, AtomicBoolean()) } })
			.`as`("another instance, after the cap").isEqualTo("paid at once")
		assertThat(hung.await()).isInstanceOf(OrderLockLeaseLostException::class.java)
	}

	@Test
	fun suspendFunctionsTheLockCannotCoverFailTheStartup() {
		val runner = ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration::class.java,
					RedissonAutoConfigurations.forThisBoot(), OrderLockAutoConfiguration::class.java))
			.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
					"spring.data.redis.port=" + TestRedis.shared().port())
		assertStartupFails(runner, FencedSuspendOrders::class.java, "FencedSuspendOrders.pay(long, Continuation)",
				"is a fenced suspend function")
		assertStartupFails(runner, FlowSuspendOrders::class.java, "FlowSuspendOrders.payments(long, Continuation)",
				"returning kotlinx.coroutines.flow.Flow")
		assertStartupFails(runner, FluxSuspendOrders::class.java, "FluxSuspendOrders.payments(long, Continuation)",
				"returning reactor.core.publisher.Flux")
	}

	private fun assertStartupFails(runner: ApplicationContextRunner, bean: Class<*>, method: String, problem: String) {
		runner.withBean(bean).run { context ->
			assertThat(context).failure
				.rootCause()
				.isInstanceOf(OrderLockDefinitionException::class.java)
				.hasMessageContaining(method)
				.hasMessageContaining(problem)
		}
	}

	/** A cancelled call's release reaches Redis a moment after the caller resumed: retry a busy lock briefly. */
	private suspend fun <T> eventually(call: suspend () -> T): T {
		val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5)
		while (true) {
			try {
				return call()
			}
			catch (ex: OrderLockTimeoutException) {
				if (System.nanoTime() > deadline) {
					throw ex
				}
				delay(20)
			}
		}
	}

	/** Who is inside a body, per order and overall, the most at once, and what each body saw of its lock's key. */
	class Witness {

		private val inside = ConcurrentHashMap<Long, AtomicInteger>()

		val bodies = AtomicInteger()

		val maxInsideOneOrder = AtomicInteger()

		private val insideAnyOrder = AtomicInteger()

		val maxInsideAnyOrder = AtomicInteger()

		val keyMissing = ConcurrentLinkedQueue<Long>()

		val startedOn: MutableSet<String> = ConcurrentHashMap.newKeySet()

		val checkedOn: MutableSet<String> = ConcurrentHashMap.newKeySet()

		suspend fun body(orderId: Long) {
			val forOrder = inside.computeIfAbsent(orderId) { AtomicInteger() }
			bodies.incrementAndGet()
			startedOn.add(threadName())
			maxInsideOneOrder.accumulateAndGet(forOrder.incrementAndGet(), Math::max)
			maxInsideAnyOrder.accumulateAndGet(insideAnyOrder.incrementAndGet(), Math::max)
			try {
				delay(15)
				withContext(elsewhere) {
					checkedOn.add(threadName())
					if (!lockKeyExists(orderId)) {
						keyMissing.add(orderId)
					}
				}
			}
			finally {
				insideAnyOrder.decrementAndGet()
				forOrder.decrementAndGet()
			}
		}

	}

	/** A body that suspends until it is cancelled, telling when it entered and how it ended. */
	class Parked {

		val entered = CompletableDeferred<Unit>()

		val cancelled = CompletableDeferred<Throwable>()

	}

	open class SuspendOrders {

		@OrderLock(key = "#orderId")
		open suspend fun pay(orderId: Long, witness: Witness): String {
			witness.body(orderId)
			return "paid"
		}

		@OrderLock(key = "#orderId", waitTime = "0")
		open suspend fun payNow(orderId: Long, ran: AtomicBoolean): String {
			ran.set(true)
			return "paid at once"
		}

		@OrderLock(key = "#orderId")
		open suspend fun decline(orderId: Long, failure: RuntimeException): String {
			delay(10)
			throw failure
		}

		@OrderLock(key = "#orderId")
		open suspend fun park(orderId: Long, body: Parked): String {
			body.entered.complete(Unit)
			try {
				awaitCancellation()
			}
			catch (ex: CancellationException) {
				body.cancelled.complete(ex)
				throw ex
			}
		}

		@OrderLock(key = "#orderIds")
		open suspend fun payAll(orderIds: List<Long>, ran: AtomicBoolean): String {
			delay(20)
			ran.set(orderIds.all { lockKeyExists(it) })
			return "paid all"
		}

		@OrderLock(key = "#orderId", maxHoldTime = "300ms")
		open suspend fun hang(orderId: Long): String {
			delay(1500)
			return "finished after its cap"
		}

	}

	open class FencedSuspendOrders {

		@OrderLock(key = "#orderId", fenced = true)
		open suspend fun pay(orderId: Long): String = "paid"

	}

	open class FlowSuspendOrders {

		@OrderLock(key = "#orderId")
		open suspend fun payments(orderId: Long): Flow<String> = flowOf("paid")

	}

	open class FluxSuspendOrders {

		@OrderLock(key = "#orderId")
		open suspend fun payments(orderId: Long): Flux<String> = Flux.just("paid")

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	open class SuspendApplication {

		@Bean
		open fun suspendOrders() = SuspendOrders()

	}

}
