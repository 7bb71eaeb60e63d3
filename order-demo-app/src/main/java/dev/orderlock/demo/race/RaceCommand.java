package dev.orderlock.demo.race;

import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Component;

/**
 * The race from the command line ({@code race} profile): runs one race with {@code demo.race.orders} and
 * {@code demo.race.instances}, prints the table, and makes the application exit with 0, or 1 when the lock on
 * showed a wrong outcome or an error (so scripts and CI can use it). With {@code demo.race.targets} it races those
 * running instances instead, as they are configured, and exits 1 on any wrong outcome.
 */
@Component
@Profile("race")
class RaceCommand implements ApplicationRunner, ExitCodeGenerator {

	private final RaceService races;

	private final RaceProperties properties;

	private int exitCode = 1;

	RaceCommand(RaceService races, RaceProperties properties) {
		this.races = races;
		this.properties = properties;
	}

	@Override
	public void run(ApplicationArguments args) {
		if (!this.properties.targets().isEmpty()) {
			RaceResult result = this.races.runAgainst(this.properties.targets(), this.properties.orders());
			System.out.println(RaceTable.format(result, this.properties.targets()));
			this.exitCode = (result.violations() == 0 && result.errors() == 0) ? 0 : 1;
			return;
		}
		RaceRun run = this.races.run(this.properties.orders(), this.properties.instances());
		System.out.println(RaceTable.format(run));
		this.exitCode = (run.lockOn().violations() == 0 && run.lockOn().errors() == 0) ? 0 : 1;
	}

	@Override
	public int getExitCode() {
		return this.exitCode;
	}

}
