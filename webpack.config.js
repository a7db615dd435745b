const path = require("node:path");
const CopyPlugin = require("copy-webpack-plugin");

module.exports = {
  entry: "./src/index.ts",
  target: "node",
  mode: "production",
  devtool: false,
  module: {
    rules: [
      {
        test: /\.ts$/,
        loader: "ts-loader",
        exclude: /node_modules/,
        // ES modules let webpack join our modules into one scope and drop exports nothing uses.
        options: { onlyCompileBundledFiles: true, compilerOptions: { module: "es2020", moduleResolution: "node" } },
      },
    ],
  },
  resolve: {
    extensions: [".ts", ".js"],
    alias: {
      // spectral's entry point loads its testing helpers (createHarness and the jest-mock,
      // jest-util and expect-utils they pull in) for its `testing` export. Nothing that runs in
      // Prismatic uses them; the tests and the demo load them from node_modules, not from here.
      [require.resolve("@prismatic-io/spectral/dist/testing")]: false,
      "date-fns$": path.resolve(__dirname, "webpack/dateFns.js"),
      zod$: path.resolve(__dirname, "webpack/integrationOnly.js"),
      yaml$: path.resolve(__dirname, "webpack/integrationOnly.js"),
      [require.resolve("buffer/")]: path.resolve(__dirname, "webpack/nodeBuffer.js"),
    },
  },
  output: {
    filename: "index.js",
    path: path.resolve(__dirname, "dist"),
    libraryTarget: "commonjs2",
    clean: true,
  },
  optimization: { minimize: true },
  plugins: [new CopyPlugin({ patterns: [{ from: "assets", to: "." }] })],
  stats: "errors-warnings",
};
