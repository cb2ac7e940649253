// Preloaded (node --import) into the service by bench/profile.mjs: SIGUSR2 makes the process exit
// normally, so that --cpu-prof writes its profile (a signal death would not).
process.on('SIGUSR2', () => process.exit(0));
