import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The console is served by `shoplet serve` from the same origin as the API;
// in development, Vite proxies /api to a running Shoplet.
export default defineConfig({
  plugins: [react()],
  publicDir: false,
  build: {
    // Into the folder the Go binary embeds, beside the placeholder page a binary
    // built without the console serves (web-admin/embed.go).
    outDir: "public/app",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        // Vendor code that every screen needs in one long-cached chunk; screens
        // are split per route with React.lazy.
        advancedChunks: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom|@remix-run)[\\/]/ },
          ],
        },
      },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080", "/openapi.json": "http://127.0.0.1:8080" } },
  test: { environment: "jsdom", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
