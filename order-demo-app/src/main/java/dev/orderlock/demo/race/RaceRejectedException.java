package dev.orderlock.demo.race;

import org.springframework.http.HttpStatus;

import dev.orderlock.demo.web.ApiException;

/** A race cannot start: bad settings (400 {@code INVALID_RACE}) or another race running (409 {@code RACE_RUNNING}). */
public class RaceRejectedException extends ApiException {

	private RaceRejectedException(HttpStatus status, String code, String detail) {
		super(status, code, detail);
	}

	static RaceRejectedException invalid(String detail) {
		return new RaceRejectedException(HttpStatus.BAD_REQUEST, "INVALID_RACE", detail);
	}

	static RaceRejectedException running() {
		return new RaceRejectedException(HttpStatus.CONFLICT, "RACE_RUNNING",
				"A race is already running in this instance; wait for its result.");
	}

}
