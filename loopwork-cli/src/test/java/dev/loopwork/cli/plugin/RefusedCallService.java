package dev.loopwork.cli.plugin;

import dev.loopwork.LoopService;
import dev.loopwork.cli.ServiceSection;

/**
 * A plugin service for the secrets test: each iteration fails with an error whose message shows its
 * {@code api-key} setting, as a careless client library's error would.
 */
public final class RefusedCallService extends LoopService {
  private final ServiceSection section;

  public RefusedCallService(ServiceSection section) {
    super(section.options());
    this.section = section;
  }

  @Override
  public String name() {
    return section.name();
  }

  @Override
  protected void runOnce() {
    throw new IllegalStateException("the API refused the key " + section.settings().get("api-key"));
  }
}
