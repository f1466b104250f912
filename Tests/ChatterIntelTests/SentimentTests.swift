import Foundation
import Testing

@testable import ChatterIntel

@Suite struct SentimentTests {
    static let analyzer = SentimentAnalyzer()

    static func compound(_ text: String) -> Double {
        analyzer.analyze(text).compound
    }

    static func normalize(_ sum: Double) -> Double {
        sum / (sum * sum + 15).squareRoot()
    }

    @Suite struct Lexicon {
        @Test func parsesTheVaderLexicon() {
            let valences = VaderLexicon.valences
            #expect(valences.count > 7_400)
            #expect(valences["good"] == 1.9)
            #expect(valences["fed up"] == -1.8)
            #expect(valences[":)"] == 2.0)
            #expect(valences[":d"] != nil)
        }

        @Test func singleWordScoresItsNormalisedValence() {
            #expect(abs(compound("good") - normalize(1.9)) < 1e-9)
            #expect(abs(compound("horrible") - normalize(-2.5)) < 1e-9)
        }

        @Test func lookupIgnoresCaseAndSurroundingPunctuation() {
            #expect(compound("Good.") == compound("good"))
            #expect(compound("(good),") == compound("good"))
            #expect(compound("\"good\"") == compound("good"))
        }

        @Test func emoticonsEmojiAndMultiWordEntriesCarryValence() {
            #expect(compound("see you tomorrow :)") > 0.05)
            #expect(compound("see you tomorrow :(") < -0.05)
            #expect(compound("see you tomorrow 😀") > 0.05)
            #expect(compound("see you tomorrow😡") < -0.05)
            #expect(compound("thanks ❤️") > compound("thanks"))
            #expect(compound("I am fed up") < -0.05)
            #expect(compound("what a waste of time") < -0.05)
        }

        @Test func curlyApostrophesReadAsStraightOnes() {
            #expect(compound("I don’t like it") == compound("I don't like it"))
            #expect(compound("I don’t like it") < 0)
        }
    }

    @Suite struct Rules {
        @Test func negationFlipsAndDampens() {
            #expect(compound("The food is good") > 0.05)
            #expect(compound("The food is not good") < -0.05)
            #expect(compound("The food isn't good") < -0.05)
            #expect(compound("The food isnt good") < -0.05)
            #expect(abs(compound("not good") - normalize(1.9 * -0.74)) < 1e-9)
            #expect(compound("not bad at all") > 0.05)
            #expect(compound("no problem") > 0.05)
        }

        @Test func negationReachesThreeWordsBackAndNoFurther() {
            #expect(compound("not at all good") < 0)
            #expect(compound("not that it was a good day") > 0)
        }

        @Test func negationStopsAtClausePunctuation() {
            #expect(compound("I did not know. Great job") > 0.05)
            #expect(compound("I did not know great job") < 0)
        }

        @Test func neverSoIsEmphasisNotNegation() {
            #expect(compound("I have never been so happy") > compound("I have been so happy"))
            #expect(compound("never this good") > compound("this good"))
            #expect(compound("I have never been happy") < 0)
        }

        @Test func leastNegatesUnlessAtLeast() {
            #expect(compound("the least good option") < 0)
            #expect(compound("it is at least good") > 0)
        }

        @Test func boostersIntensifyAndDampenersSoften() {
            #expect(compound("The food is very good") > compound("The food is good"))
            #expect(compound("The food is extremely bad") < compound("The food is bad"))
            #expect(compound("The food is slightly good") < compound("The food is good"))
            #expect(compound("The food is slightly good") > 0)
            #expect(compound("The food is kind of good") < compound("The food is good"))
            #expect(abs(compound("very good") - normalize(1.9 + 0.293)) < 1e-9)
        }

        @Test func butShiftsWeightToTheSecondClause() {
            #expect(compound("The food was great but the service was awful") < -0.05)
            #expect(compound("The food was awful but the service was great") > 0.05)
            #expect(compound("great but awful") < compound("great and awful"))
        }

        @Test func capitalsEmphasiseOnlyInMixedCaseMessages() {
            #expect(compound("The food is GREAT") > compound("The food is great"))
            #expect(compound("The food is VERY good") > compound("The food is very good"))
            #expect(compound("THE FOOD IS GREAT") == compound("the food is great"))
        }

        @Test func exclamationsAmplifyUpToFour() {
            #expect(compound("The food is good!") > compound("The food is good"))
            #expect(compound("The food is good!!!") > compound("The food is good!"))
            #expect(compound("The food is bad!!!") < compound("The food is bad"))
            #expect(compound("The food is good!!!!") == compound("The food is good!!!!!!!!"))
            #expect(compound("The food is good??") > compound("The food is good"))
            #expect(compound("Where is my order!!!") == 0)
        }

        @Test func sharesSumToOne() {
            for text in ["The food is GREAT!!!", "not good, but not terrible", "the meeting is at noon", ""] {
                let result = analyzer.analyze(text)
                #expect(abs(result.positive + result.negative + result.neutral - 1) < 1e-9)
            }
        }
    }

    @Suite struct Labels {
        @Test(arguments: [
            ("Thank you so much, this was really helpful!", SentimentLabel.positive),
            ("I love the new design :)", .positive),
            ("The meeting is at 3pm in room 4.", .neutral),
            ("Send me the invoice for March.", .neutral),
            ("This is the worst support I have ever had.", .negative),
            ("My order arrived broken and nobody answers my emails", .negative),
            ("", .neutral),
        ])
        func clearExamples(text: String, label: SentimentLabel) {
            #expect(analyzer.analyze(text).label == label)
        }

        @Test func thresholdsAreInclusiveAtFivePercent() {
            #expect(SentimentLabel(compound: 0.05) == .positive)
            #expect(SentimentLabel(compound: 0.049) == .neutral)
            #expect(SentimentLabel(compound: -0.05) == .negative)
        }
    }

    @Suite struct Emotions {
        @Test(arguments: [
            ("I am so angry about this", Emotion.anger),
            ("I'm sick of waiting for a refund", .anger),
            ("Eww, this smells disgusting", .disgust),
            ("I'm really worried about the surgery tomorrow", .fear),
            ("I'm so happy for you", .joy),
            ("I feel sad and lonely today", .sadness),
            ("Wow, I did not expect that", .surprise),
            ("I'm not happy with this at all", .sadness),
            ("The package arrived on Tuesday.", .neutral),
            ("I'm not angry", .neutral),
            ("The product is excellent and works perfectly", .joy),
            ("This is the worst service ever!!!", .anger),
            ("It was a horrible, painful week", .sadness),
        ])
        func clearExamples(text: String, emotion: Emotion) {
            #expect(analyzer.analyze(text).emotion == emotion)
        }

        @Test func scoresCoverEveryEmotionAndSumToOne() {
            for text in ["I am so angry and scared", "The package arrived on Tuesday."] {
                let scores = analyzer.analyze(text).emotionScores
                #expect(Set(scores.keys) == Set(Emotion.allCases.map(\.rawValue)))
                #expect(abs(scores.values.reduce(0, +) - 1) < 1e-9)
            }
            let mixed = analyzer.analyze("I am so angry and scared").emotionScores
            #expect(mixed["anger"]! > mixed["fear"]!)
            #expect(mixed["neutral"] == 0)
        }
    }

    @Suite struct Trend {
        @Test func directionFollowsTheSlopeOfRecentMessages() {
            #expect(SentimentTrend(compounds: [-0.8, -0.4, 0, 0.4, 0.8]).direction == .improving)
            #expect(SentimentTrend(compounds: [0.8, 0.4, 0, -0.4, -0.8]).direction == .worsening)
            #expect(SentimentTrend(compounds: [0.3, 0.35, 0.3, 0.32, 0.3]).direction == .stable)
            #expect(SentimentTrend(compounds: [0.5]).direction == .stable)
            // Only the last five count: an early slump no longer says "improving".
            #expect(SentimentTrend(compounds: [-1, -1, 0.5, 0.5, 0.5, 0.5, 0.5]).direction == .stable)
        }

        @Test func averageIsExponentiallyWeighted() {
            let trend = SentimentTrend().adding(1).adding(0)
            #expect(abs(trend.average - 0.7) < 1e-12)
            #expect(trend.samples == 2)
            #expect(SentimentTrend().average == 0)
        }

        @Test func keepsABoundedWindowAndIgnoresNonFiniteScores() {
            let trend = SentimentTrend(compounds: (0..<100).map { Double($0) / 100 })
            #expect(trend.recent.count == SentimentTrend.defaultWindow)
            #expect(trend.samples == 100)
            #expect(trend.adding(.nan) == trend)
            #expect(trend.adding(5).recent.last == 1)
        }

        @Test func roundTripsThroughJSON() throws {
            let trend = SentimentTrend(compounds: [0.1, -0.5, 0.7])
            let decoded = try JSONDecoder().decode(SentimentTrend.self, from: JSONEncoder().encode(trend))
            #expect(decoded == trend)
        }
    }

    @Suite struct Cost {
        /// One run, in seconds.
        static func seconds(_ text: String) -> Double {
            let start = ContinuousClock.now
            _ = analyzer.analyze(text)
            let (seconds, attoseconds) = (ContinuousClock.now - start).components
            return Double(seconds) + Double(attoseconds) / 1e18
        }

        @Test func timeIsLinearInMessageLength() {
            let sentence = "The food was not very good, but the staff were REALLY friendly!! kind of fed up though :) "
            _ = analyzer.analyze(sentence)
            let shortText = String(repeating: sentence, count: 100)
            let longText = String(repeating: sentence, count: 800)
            // The best of seven runs each, taken in turns, so that the rest of the suite running alongside slows both
            // alike (three runs of one, then three of the other, once measured 27x).
            var short = Double.infinity
            var long = Double.infinity
            for _ in 0..<7 {
                short = min(short, Self.seconds(shortText))
                long = min(long, Self.seconds(longText))
            }
            // Eight times the text: linear work takes about 8x, quadratic about 64x.
            #expect(long / short < 24, "short \(short) s, long \(long) s")
        }

        @Test func concurrentUseGivesTheSameResults() async {
            let texts = ["I love it!", "This is awful", "meh", "not bad, but not great either"]
            let expected = texts.map { analyzer.analyze($0) }
            let results = await withTaskGroup(of: (Int, SentimentResult).self) { group in
                for (index, text) in texts.enumerated() {
                    group.addTask { (index, SentimentAnalyzer().analyze(text)) }
                }
                var results = [SentimentResult?](repeating: nil, count: texts.count)
                for await (index, result) in group {
                    results[index] = result
                }
                return results
            }
            #expect(results == expected)
        }
    }
}
