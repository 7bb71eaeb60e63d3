package dev.orderlock.demo.race;

import java.net.URI;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Defaults of the race runner, under {@code demo.race.*}.
 *
 * @param orders how many orders each race creates and fires pay and cancel for
 * @param instances how many instances (1 or 2) each race spreads its requests over
 * @param targets base URLs of running instances to race instead of starting instances (command line only), e.g.
 * {@code http://localhost:8081,http://localhost:8082}
 */
@ConfigurationProperties("demo.race")
public record RaceProperties(@DefaultValue("100") int orders, @DefaultValue("2") int instances,
		@DefaultValue List<URI> targets) {
}
