package dev.orderlock.test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * The application the kit's tests run against: Boot's auto-configuration (Redisson, order-lock, H2, transactions and
 * the kit's own) and one guarded service.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(Orders.class)
class KitTestApplication {

}
