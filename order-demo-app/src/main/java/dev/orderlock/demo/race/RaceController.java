package dev.orderlock.demo.race;

import java.util.List;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The race over HTTP: {@code POST /api/races} runs one (lock on and off, takes seconds) and answers its result;
 * {@code GET /api/races} lists the last runs for the web page.
 */
@RestController
@RequestMapping(path = "/api/races", produces = MediaType.APPLICATION_JSON_VALUE)
class RaceController {

	private final RaceService races;

	private final RaceProperties defaults;

	RaceController(RaceService races, RaceProperties defaults) {
		this.races = races;
		this.defaults = defaults;
	}

	@PostMapping
	RaceRun start(@RequestBody(required = false) RaceRequest request) {
		int orders = (request != null && request.orders() != null) ? request.orders() : this.defaults.orders();
		int instances = (request != null && request.instances() != null) ? request.instances()
				: this.defaults.instances();
		return this.races.run(orders, instances);
	}

	@GetMapping
	List<RaceRun> recent() {
		return this.races.recentRuns();
	}

	/** Body of {@code POST /api/races}; missing fields take {@code demo.race.*}. */
	record RaceRequest(Integer orders, Integer instances) {
	}

}
