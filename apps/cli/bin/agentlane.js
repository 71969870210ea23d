#!/usr/bin/env node
// The installed command. It exists before the build does, so npm links it on the first
// `npm install`; the program itself is the compiled dist/main.js.
try {
  await import('../dist/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/main.js')) {
    process.stderr.write('agentlane is not built yet: run `npm run build` in the agentlane checkout first.\n');
    process.exit(1);
  }
  throw error;
}
